"""Inspect, Evaluate and Draw: the input to look at and what the model does with it, the test set
through a model, drawing a digit and teaching the model one's own handwriting."""
