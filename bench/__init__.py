"""The Rapport benchmark: `make bench` or `python -m bench` from the repository root."""
