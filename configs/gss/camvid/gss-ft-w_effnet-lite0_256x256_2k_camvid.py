# The converged CamVid suite, setting (b) (README, "CamVid"): the learnable
# X⁻¹ of gss-ft-w_effnet-lite0_camvid.py trained on the frozen
# gss-ff_effnet-lite0_256x256_2k_camvid.py model, in bf16 autocast with
# channels-last weights; 1,000 iterations of batch 2, val mIoU every 250.
_base_ = './gss-ft-w_effnet-lite0_camvid.py'
model = dict(
    decode_head=dict(
        tokenizer=dict(
            quantizer=dict(type='EMAVectorQuantizer', num_codes=4096))))
load_from = 'work_dirs/gss-ff_effnet-lite0_256x256_2k_camvid/latest.pth'
runner = dict(max_iters=1000)
checkpoint_config = dict(interval=500)
evaluation = dict(interval=250)
cpu_bf16 = dict(channels_last=True)
