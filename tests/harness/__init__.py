"""What tests and benchmarks share to drive the real processes: started services, a fake Twilio,
PostgreSQL and the production stack, widget and desk clients. `bench/` may import this package,
never a test module."""
