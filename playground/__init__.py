"""Deep Learning Playground's library: everything but the pages (no Streamlit outside ui/)."""
