"""The Language page's pieces: the session's language model and settings, the corpus and its
tokens, the model's parts, writing with it and looking inside it."""
