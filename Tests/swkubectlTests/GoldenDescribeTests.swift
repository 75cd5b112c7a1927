@testable import KubeCtl
import Testing

/// Golden output of `describe pod` and `get events` against the fixed node (FixtureNode) and clock. The
/// texts were checked against kubectl's layout: tabwriter widths, AGE, STATUS, RESTARTS, quoting.
@Suite struct GoldenDescribeAndEvents {
    @Test func describePod() throws {
        let node = try FixtureNode()
        let out = node.run("describe", "pod", "web")
        #expect(out.exitCode == 0)
        #expect(out.stderr == "")
        #expect(out.stdout == #"""
        Name:         web
        Namespace:    default
        Node:         edge-1
        Manifest:     /etc/swkube/pods/web.yaml
        Start Time:   Tue, 01 Dec 2026 09:00:00 +0000
        Labels:       app=web
                      tier=front
        Annotations:  note: edge: yes
        Status:       Running
        IP:           10.88.0.2
        IPs:
          IP:  10.88.0.2
        Containers:
          nginx:
            Container ID:  swkube://5d2a6f0c1b3e
            Image:         busybox:1.36
            Image ID:      sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
            Port:          8080/TCP
            Host Port:     <none>
            Command:
              httpd
              -f
              -p
              8080
            Args:
              -v
            State:          Running
              Started:      Tue, 01 Dec 2026 11:55:00 +0000
            Last State:     Terminated
              Reason:       Error
              Exit Code:    1
              Finished:     Tue, 01 Dec 2026 11:55:00 +0000
            Ready:          True
            Restart Count:  2
            Limits:
              memory:  64Mi
            Environment:
              MODE:  prod
              PORT:  8080
            Mounts:
              /data from data (rw)
        Conditions:
          Type             Status
          Initialized      True
          Ready            True
          ContainersReady  True
          PodScheduled     True
        Volumes:
          data:
            Type:          HostPath (bare host directory volume)
            Path:          /srv/data
            HostPathType:  Directory
        Events:
          Type    Reason   Age              From       Message
          ----    ------   ----             ----       -------
          Normal  Pulled   3h               swkubelet  Container image "busybox:1.36" already present on machine
          Normal  Created  3h               swkubelet  Created container nginx
          Normal  Started  5m (x2 over 3h)  swkubelet  Started container nginx

        """#)
    }

    @Test func describePodWithInitContainer() throws {
        let node = try FixtureNode()
        let out = node.run("describe", "pod", "init")
        #expect(out.exitCode == 0)
        #expect(out.stderr == "")
        #expect(out.stdout == #"""
        Name:         init
        Namespace:    default
        Node:         edge-1
        Manifest:     /etc/swkube/pods/init.yaml
        Labels:       <none>
        Annotations:  <none>
        Status:       Pending
        IP:           
        Init Containers:
          setup:
            Container ID:   
            Image:          busybox:1.36
            Image ID:       
            Port:           <none>
            Host Port:      <none>
            State:          Running
            Ready:          False
            Restart Count:  0
            Environment:    <none>
            Mounts:         <none>
        Containers:
          app:
            Container ID:   
            Image:          busybox:1.36
            Image ID:       
            Port:           <none>
            Host Port:      <none>
            State:          Waiting
              Reason:       PodInitializing
            Ready:          False
            Restart Count:  0
            Environment:    <none>
            Mounts:         <none>
        Conditions:
          Type             Status
          Initialized      False
          Ready            False
          ContainersReady  False
          PodScheduled     True
        Volumes:           <none>
        Events:            <none>

        """#)
    }

    @Test func getEvents() throws {
        let node = try FixtureNode()
        let out = node.run("get", "events")
        #expect(out.exitCode == 0)
        #expect(out.stderr == "")
        #expect(out.stdout == #"""
        LAST SEEN           TYPE      REASON    OBJECT      MESSAGE
        3h                  Normal    Pulled    pod/web     Container image "busybox:1.36" already present on machine
        3h                  Normal    Created   pod/web     Created container nginx
        5m (x2 over 3h)     Normal    Started   pod/web     Started container nginx
        40s (x3 over 10m)   Warning   BackOff   pod/crash   Back-off restarting failed container loop

        """#)
    }

    @Test func getEventsAllNamespaces() throws {
        let node = try FixtureNode()
        let out = node.run("get", "events", "-A")
        #expect(out.exitCode == 0)
        #expect(out.stderr == "")
        #expect(out.stdout == #"""
        NAMESPACE     LAST SEEN           TYPE      REASON    OBJECT      MESSAGE
        default       3h                  Normal    Pulled    pod/web     Container image "busybox:1.36" already present on machine
        default       3h                  Normal    Created   pod/web     Created container nginx
        kube-system   120m                Normal    Started   pod/agent   Started container main
        default       5m (x2 over 3h)     Normal    Started   pod/web     Started container nginx
        default       40s (x3 over 10m)   Warning   BackOff   pod/crash   Back-off restarting failed container loop

        """#)
    }
}
