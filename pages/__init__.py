"""The dashboard's pages. Each module defines ``render(view)`` and draws nothing when
imported or run as a script: ``app.py`` registers them with ``st.navigation`` (a file run
directly by Streamlit, before any sign-in check, must leak nothing — stack-notes)."""
