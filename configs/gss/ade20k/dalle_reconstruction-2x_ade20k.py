# Variant of dalle_reconstruction_ade20k.py (not the paper's protocol):
# labels upsampled 2× before the dVAE, so tokens lie on the 1/4 grid GSS-FF
# predicts: the upper bound of GSS-FF's own targets.
_base_ = './dalle_reconstruction_ade20k.py'
model = dict(upsample_factor=2)
