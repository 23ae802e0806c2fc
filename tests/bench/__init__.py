"""Performance benchmark: ``python tests/bench/run.py [--quick]`` (see docs/performance.md)."""
