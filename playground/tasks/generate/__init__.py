"""Models that make images: a variational autoencoder learns to draw digits (the generative
families of issue 36 plug in here: a GAN and a diffusion model next)."""
