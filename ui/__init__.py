"""The Streamlit side of the dashboard: sign-in, roles, period and scope, masking, the
access log and the shared page furniture. Pages (``pages/``) draw with these; all SQL
stays in ``queries/``."""
