"""Build and Train: the layer editor, experiment links, the training form, the live view of a job,
watch links, the runs table and its exports."""
