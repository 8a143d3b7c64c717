"""Data that more than one task learns from: the image datasets (MNIST and its kin: what each
is, its IDX files, the bundled samples, downloads through mirrors, splits and batches). A task
lists them in its own catalog; none owns them."""
