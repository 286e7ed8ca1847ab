# Stage-I upper bound with the DALL·E dVAE (paper Table 2), the authors'
# protocol: ground-truth labels ─X→ maskige ─dVAE→ tokens (1/8 grid) ─dVAE→
# maskige ─X⁻¹ (nearest palette colour)→ classes, at the label resolution.
# Sides that are not multiples of 8 (ADE20K) are floored by the dVAE's
# pooling and the scores stretched back, as the authors do
# (test_resize='stretch'; the opt-in 'pad' pads as in training instead).
# Nothing is trained; the dataset configs set palette and num_classes and a
# test pipeline that collects the ground truth. dalle_reconstruction-2x_*
# is the variant that upsamples the labels 2× first, as GSS-FF's targets.
model = dict(
    type='MaskigeAutoencoder',
    tokenizer=dict(type='DalleDVAE', checkpoint='ckp/dalle_dvae.pth'),
    palette=None,  # set per dataset
    num_classes=None,  # set per dataset
    upsample_factor=1,
    inverse_scores='one_hot',
    test_resize='stretch')
