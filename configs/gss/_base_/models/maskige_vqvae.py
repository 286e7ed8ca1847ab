# Stage I with the project's own maskige VQ-VAE: a 4× tokenizer trained on
# ground-truth maskiges (tokens on the usual 1/4 grid without upsampling).
# Its encoder folds each 4×4 cell into its one-hot class layout and the EMA
# codebook clusters the layouts; it takes the model's palette and K (set
# `model.palette` and `model.num_classes` per dataset).
model = dict(
    type='MaskigeAutoencoder',
    tokenizer=dict(
        type='MaskigeVQVAE',
        downsample=4,
        encoder='class_patterns',
        channels=64,
        num_res_blocks=2,
        pixel_channels=16,
        quantizer=dict(type='EMAVectorQuantizer', num_codes=1024)),
    palette=None,  # set per dataset
    num_classes=None,  # set per dataset
    upsample_factor=1,
    temperature=0.01,
    # Test with the soft X⁻¹ the tokenizer trains through (the default is
    # the published one-hot of the nearest colour).
    inverse_scores='soft')
