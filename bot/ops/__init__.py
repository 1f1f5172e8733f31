"""Operations: health checks, Prometheus metrics, the HTTP server for both."""
