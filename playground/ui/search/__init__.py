"""The Search page's pieces: the form that starts a search, and the search watched live."""
