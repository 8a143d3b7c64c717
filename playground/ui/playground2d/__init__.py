"""Playground 2-D's page pieces: the view (the plane, the network, the curves), the settings
column and the hand edits of weights."""
