"""Playground 2-D: TensorFlow Playground's toy problems on PyTorch. Points in the plane
(`data`), the features fed to a small network (`data.FEATURES`), the whole experiment as one
dataclass that round-trips through JSON and a URL (`experiment`), the network and what each
neuron computes over the plane (`net`), and a background trainer (`trainer`)."""
