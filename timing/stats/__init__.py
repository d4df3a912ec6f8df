"""Statistical methods: one module per method, each a pure function returning a frozen result."""
