# Stage I of the converged CamVid suite (*_256x256_2k_camvid.py): the
# maskige VQ-VAE of vqvae-1k_128x128_2k_camvid.py with 4,096 codes. Thin
# classes are rare 4×4 layouts that a small codebook merges into their
# neighbours. Dead-code restarts stop after 1,000 updates: with restarts
# throughout, the codes of rare layouts keep being re-seeded until the last
# iteration and the decoder keeps chasing them.
#   python tools/test.py configs/gss/camvid/vqvae-4k_128x128_2k_camvid.py \
#       work_dirs/vqvae-4k_128x128_2k_camvid/latest.pth --eval mIoU
_base_ = './vqvae-1k_128x128_2k_camvid.py'
model = dict(
    tokenizer=dict(
        quantizer=dict(
            type='EMAVectorQuantizer', num_codes=4096, restart_until=1000)))
evaluation = dict(interval=500)
