"""Image classifiers: Fashion-MNIST baselines and the target of pretext pretraining.

``models`` (MLP, LeNet-5, the conv-stem classifier), ``mobilenet`` (MobileNetV2),
``pyramid`` (Gaussian pyramid + LinearSVC), ``train`` (a seeded supervised loop).
"""
