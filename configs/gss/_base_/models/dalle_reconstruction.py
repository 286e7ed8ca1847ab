# Stage-I upper bound with the DALL·E dVAE (paper Table 2): ground-truth
# labels ─X→ maskige ─dVAE→ tokens ─dVAE→ maskige ─X⁻¹→ classes, with labels
# upsampled 2× first so that tokens lie on the stride-4 grid GSS-FF predicts.
# Nothing is trained; the dataset configs set palette and num_classes and a
# test pipeline that collects the ground truth.
model = dict(
    type='MaskigeAutoencoder',
    tokenizer=dict(type='DalleDVAE', checkpoint='ckp/dalle_dvae.pth'),
    palette=None,  # set per dataset
    num_classes=None,  # set per dataset
    upsample_factor=2,
    temperature=0.01)
