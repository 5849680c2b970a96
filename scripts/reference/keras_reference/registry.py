"""Layer builders by Keras class name. A builder takes (config, input shapes without the batch axis, context)
and returns a LayerImpl: its weights (role, shape, trainable[, manifest paths]), output shapes, and forward."""

BUILDERS = {}


class LayerImpl:
    def __init__(self, weights, out_shapes, forward):
        # weights: (role, shape, trainable) or (role, shape, trainable, [path, ...]) where a path is the list of
        # name segments after the layer's name in the manifest (default [role])
        self.weights = [w if len(w) == 4 else (w[0], tuple(w[1]), w[2], [[w[0]]]) for w in weights]
        self.out_shapes = [list(s) for s in out_shapes]
        self.forward = forward


class Context:
    def __init__(self, keras_version):
        self.keras_version = keras_version


def register(*class_names):
    def decorate(builder):
        for name in class_names:
            BUILDERS[name] = builder
        return builder
    return decorate
