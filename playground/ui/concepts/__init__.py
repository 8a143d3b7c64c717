"""The Concepts lab's labs: activations, losses, softmax, backpropagation, regularisation, and
the optimizer race."""
