import subprocess


def start_transcode(src, dst):
    proc = subprocess.Popen(["ffmpeg", "-y", "-i", src, "-vf", "scale=640:-2", dst],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, dst


def handler(event, context):
    proc, out = start_transcode(event["src"], "/tmp/out.mp4")
    return {"pid": proc.pid, "output": out}
