"""Image classification, the first task: layer specs (specs, layers), the registries behind its
pickers (catalog), its training settings as a table (recipe), models (models), image datasets
(data, idx), the training loop and evaluation (training), whether a model fits the data and
the memory budget (fit), a model's answers (evaluation) and how honest they are (calibration),
drawings read like MNIST (drawing), its CLI commands (commands), and the seam itself (task).
What it exports (a training script, ONNX, links, the pretrained model, the model card) is in
export/.
"""
