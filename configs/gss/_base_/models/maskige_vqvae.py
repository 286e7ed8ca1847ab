# Stage I with the project's own maskige VQ-VAE: a 4× tokenizer trained on
# ground-truth maskiges (tokens on the usual 1/4 grid without upsampling).
model = dict(
    type='MaskigeAutoencoder',
    tokenizer=dict(
        type='MaskigeVQVAE',
        downsample=4,
        channels=128,
        num_res_blocks=2,
        pixel_channels=16,
        quantizer=dict(type='FiniteScalarQuantizer', levels=(8, 5, 5, 5))),
    palette=None,  # set per dataset
    num_classes=None,  # set per dataset
    upsample_factor=1,
    temperature=0.01)
