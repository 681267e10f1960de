"""The review page for finance staff: routes, templates and static assets."""
