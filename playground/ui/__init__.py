"""Streamlit widgets and session helpers shared by the pages: the one package that imports
streamlit."""
