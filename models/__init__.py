"""What the model is: text normalisation, stemming, the two-headed router, artifact save/load.

Imports neither ``training`` nor ``serving``.
"""
