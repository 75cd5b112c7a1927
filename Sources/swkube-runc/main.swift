// Its constructor re-executes create/run/exec from a sealed image before Swift starts (ExeSeal).
import CSwkRuncEarly
import Glibc
import SwkRunc

exit(SwkRuncMain.run(CommandLine.arguments))
