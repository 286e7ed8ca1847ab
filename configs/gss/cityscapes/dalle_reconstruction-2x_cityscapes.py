# Variant of dalle_reconstruction_cityscapes.py (not the paper's protocol):
# labels upsampled 2× before the dVAE, so tokens lie on the 1/4 grid GSS-FF
# predicts: the upper bound of GSS-FF's own targets. A 2048×4096 maskige per
# image goes through the dVAE: this needs a large GPU.
_base_ = './dalle_reconstruction_cityscapes.py'
model = dict(upsample_factor=2)
