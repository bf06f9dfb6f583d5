"""Ensemble selection under a time budget (``steeldefect select``).

Modules, each with one purpose:
- ``costs``: what each member and view costs per image, measured here or read from a file;
- ``greedy``: the greedy forward selection, pure (a score and a cost function in, the steps out);
- ``select``: the candidates scored by the tuned OOF Dice, and the chosen ensemble.
"""
