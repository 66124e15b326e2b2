"""Layer 1: the router. Matches host and path prefix, adds routing and timing headers, proxies to workers."""
