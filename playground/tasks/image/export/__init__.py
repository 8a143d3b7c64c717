"""What an image classifier takes with it: a standalone training script (standalone,
standalone_parts), ONNX checked against onnxruntime (onnx_export), a model and its settings as
a link (links), the models that ship (pretrained; few_labels, the ready transfer experiment
from digits 0-4 to 5-9), and its run in words: the runs table's row
and the bundle's model card (model_card).
"""
