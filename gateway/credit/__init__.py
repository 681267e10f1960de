"""The credit-check service: cached bureau reports, exposure, the policy decision, reservations, overrides, audit."""
