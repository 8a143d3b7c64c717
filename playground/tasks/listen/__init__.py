"""Listening to spoken digits (English and Chinese): a model that reads a clip's log-mel
spectrogram, trained by the shared loop like every other task."""
