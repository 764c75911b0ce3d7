"""End-to-end harness: a real Streamlit server driven by Debian's Chromium through
Playwright (tests/test_e2e.py, ``make screenshots``)."""
