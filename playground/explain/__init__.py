"""Explain: looking inside an image classifier, for Inspect, Evaluate and Draw. Feature maps,
filters, a convolution worked out and layer statistics (inside), captum's attributions
(attributions), what a channel or class looks for (feature_vis), the figures of all of these
(figures, inspect_plots) and the Build page's network diagram (diagram).

May import: tasks.image and what lies below it.
"""
