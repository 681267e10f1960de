"""The approval core: the credit policy (config/policy.toml), the pure decision function, and exposure."""
