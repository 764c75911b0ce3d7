"""The province-scale benchmark (`make bench` runs `python -m bench.run`)."""
