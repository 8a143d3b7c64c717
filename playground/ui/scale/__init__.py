"""The scaling lab's pieces: starting a sweep and watching it, and the views of a finished or
running one (its law, its curves against compute, its cost, a prediction)."""
