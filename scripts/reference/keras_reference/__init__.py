"""An independent float64 reading of TF.js / Keras model files in PyTorch.

It parses model.json itself (Sequential and Functional models, nested models, shared layers, the Keras 2
and Keras 3 serialisations), re-implements each layer's Keras semantics in PyTorch, and computes the exact
Hessian of the training loss by double backpropagation. Nothing here is shared with the TypeScript engine:
it is the reference the engine is tested against (docs/testing.md, "The model corpus").
"""
