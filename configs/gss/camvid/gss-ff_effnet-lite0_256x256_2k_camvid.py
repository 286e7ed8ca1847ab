# The converged CamVid suite, setting (b) (README, "CamVid"): GSS-FF with the
# 4,096-code tokenizer of vqvae-4k_camvid.py; same data, crops,
# augmentation, epochs, precision and evaluation as
# upernet_effnet-lite0_256x256_2k_camvid.py.
_base_ = './gss-ff_effnet-lite0_camvid.py'
# TokenCrossEntropyLoss: the same token loss as the base config's
# CrossEntropyLoss(avg_non_ignore=True), without a float32 copy of the bf16
# logits (4,096 codes: 2.4x cheaper; benchmarks/bench_token_loss.py).
model = dict(
    decode_head=dict(
        loss_token=dict(type='TokenCrossEntropyLoss', loss_weight=0.8),
        tokenizer=dict(
            quantizer=dict(type='EMAVectorQuantizer', num_codes=4096),
            checkpoint='work_dirs/vqvae-4k_camvid/latest.pth')))
runner = dict(max_iters=2000)
checkpoint_config = dict(interval=1000)
evaluation = dict(interval=400)
cpu_bf16 = dict(channels_last=True)
