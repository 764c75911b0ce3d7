"""The dashboard's pages. Each module defines ``render(view)`` and draws nothing when
imported or run as a script: ``app.py`` imports them and hands their ``render`` functions
to ``st.navigation``.

The folder is not named ``pages/``: beside the entry script that name starts a freshly
started server in Streamlit's folder-based mode, which runs ``pages/<name>.py`` itself
(before any sign-in check) and shows "Page not found" over the sign-in form for a first
deep link (stack-notes; docs/decisions.md)."""
