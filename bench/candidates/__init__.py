"""Alternative proxies the router is compared with in the same run (bench-time dependencies only)."""
