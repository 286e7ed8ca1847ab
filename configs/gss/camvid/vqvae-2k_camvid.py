# Stage I of the converged CamVid suite (*_256x256_2k_camvid.py): the maskige
# VQ-VAE of vqvae_camvid.py with 2,048 codes instead of 1,024. Thin classes
# are rare 4×4 layouts that 1,024 codes merge into their neighbours (val Pole
# 88.3 IoU with 1,024); README's quantizer table measured the gain of more
# codes (4,096: Pole 92.2 against 86.0 at 300 iterations).
#   python tools/test.py configs/gss/camvid/vqvae-2k_camvid.py \
#       work_dirs/vqvae-2k_camvid/latest.pth --eval mIoU
_base_ = './vqvae_camvid.py'
model = dict(
    tokenizer=dict(quantizer=dict(type='EMAVectorQuantizer', num_codes=2048)))
evaluation = dict(interval=500)
