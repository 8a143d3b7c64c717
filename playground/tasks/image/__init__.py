"""Image classification, the first task: layer specs (specs, layers, activations), the
registries behind its pickers (catalog), its training settings as a table (recipe), models
(models), image datasets (data, idx), the training loop and evaluation (training), whether a
model fits the data and the memory budget (fit), a model's answers (evaluation) and how honest
they are (calibration), its CLI commands (commands), and the seam itself (task). What it
exports (a training script, ONNX, links, the models that ship, the model card) is in export/.
"""
