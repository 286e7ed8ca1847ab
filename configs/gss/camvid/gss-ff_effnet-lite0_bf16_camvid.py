# gss-ff_effnet-lite0_camvid.py trained and tested in bf16 autocast with
# channels-last weights on the CPU (same data, schedule and budget; the
# tokenizer computes its tokens in fp32, depthwise convolutions train in
# fp32).
_base_ = './gss-ff_effnet-lite0_camvid.py'
cpu_bf16 = dict(channels_last=True, fp32_depthwise=True)
