import Glibc
import SwkRunc

exit(SwkRuncMain.run(CommandLine.arguments))
