"""The math behind the Concepts lab, one idea per module: activation functions, loss functions,
optimizers on 2-D test functions, backpropagation on a tiny net, and regularisation. Every number
comes from PyTorch (its modules, autograd, torch.optim); the pages only place them."""
