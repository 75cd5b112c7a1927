@testable import KubeCtl
import Testing

/// Golden output of every verb and format against the fixed node (FixtureNode) and clock. The
/// texts were checked against kubectl's layout: tabwriter widths, AGE, STATUS, RESTARTS, quoting.
@Suite struct Golden {
    let manifestError = "error: /etc/swkube/pods/bad.yaml:3: mapping values are not allowed in this context\n"

    @Test func getPodsTable() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAME       READY   STATUS              RESTARTS       AGE
        broken     0/0     InvalidManifest     0              2d3h
        crash      0/1     CrashLoopBackOff    5 (30s ago)    12m
        creating   0/1     ContainerCreating   0              3s
        done       0/1     Completed           0              8d
        failed     0/1     Error               0              3m2s
        init       0/1     Init:0/1            0              45s
        oom        0/1     OOMKilled           1 (120m ago)   5h
        web        1/1     Running             2 (5m ago)     3h20m

        """#)
    }

    @Test func getPodsAllNamespaces() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-A")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAMESPACE     NAME       READY   STATUS              RESTARTS       AGE
        default       broken     0/0     InvalidManifest     0              2d3h
        default       crash      0/1     CrashLoopBackOff    5 (30s ago)    12m
        default       creating   0/1     ContainerCreating   0              3s
        default       done       0/1     Completed           0              8d
        default       failed     0/1     Error               0              3m2s
        default       init       0/1     Init:0/1            0              45s
        default       oom        0/1     OOMKilled           1 (120m ago)   5h
        default       web        1/1     Running             2 (5m ago)     3h20m
        kube-system   agent      1/2     Running             0              400d

        """#)
    }

    @Test func getPodsWide() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-o", "wide")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAME       READY   STATUS              RESTARTS       AGE     IP          NODE
        broken     0/0     InvalidManifest     0              2d3h    <none>      edge-1
        crash      0/1     CrashLoopBackOff    5 (30s ago)    12m     <none>      edge-1
        creating   0/1     ContainerCreating   0              3s      <none>      edge-1
        done       0/1     Completed           0              8d      <none>      edge-1
        failed     0/1     Error               0              3m2s    <none>      edge-1
        init       0/1     Init:0/1            0              45s     <none>      edge-1
        oom        0/1     OOMKilled           1 (120m ago)   5h      <none>      edge-1
        web        1/1     Running             2 (5m ago)     3h20m   10.88.0.2   edge-1

        """#)
    }

    @Test func getPodsName() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-o", "name")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        pod/broken
        pod/crash
        pod/creating
        pod/done
        pod/failed
        pod/init
        pod/oom
        pod/web

        """#)
    }

    @Test func getPodJSON() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "web", "-o", "json")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "annotations": {
                    "note": "edge: yes"
                },
                "creationTimestamp": "2026-12-01T08:40:00Z",
                "labels": {
                    "app": "web",
                    "tier": "front"
                },
                "name": "web",
                "namespace": "default",
                "uid": "default-web-uid"
            },
            "spec": {
                "containers": [
                    {
                        "args": [
                            "-v"
                        ],
                        "command": [
                            "httpd",
                            "-f",
                            "-p",
                            "8080"
                        ],
                        "env": [
                            {
                                "name": "MODE",
                                "value": "prod"
                            },
                            {
                                "name": "PORT",
                                "value": "8080"
                            }
                        ],
                        "image": "busybox:1.36",
                        "name": "nginx",
                        "ports": [
                            {
                                "containerPort": 8080,
                                "protocol": "TCP"
                            }
                        ],
                        "resources": {
                            "limits": {
                                "memory": "64Mi"
                            }
                        },
                        "volumeMounts": [
                            {
                                "mountPath": "/data",
                                "name": "data"
                            }
                        ]
                    }
                ],
                "restartPolicy": "Always",
                "volumes": [
                    {
                        "hostPath": {
                            "path": "/srv/data",
                            "type": "Directory"
                        },
                        "name": "data"
                    }
                ]
            },
            "status": {
                "conditions": [
                    {
                        "status": "True",
                        "type": "Initialized"
                    },
                    {
                        "status": "True",
                        "type": "Ready"
                    },
                    {
                        "status": "True",
                        "type": "ContainersReady"
                    },
                    {
                        "status": "True",
                        "type": "PodScheduled"
                    }
                ],
                "containerStatuses": [
                    {
                        "containerID": "swkube://5d2a6f0c1b3e",
                        "image": "busybox:1.36",
                        "imageID": "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
                        "lastState": {
                            "terminated": {
                                "exitCode": 1,
                                "finishedAt": "2026-12-01T11:55:00Z",
                                "reason": "Error"
                            }
                        },
                        "name": "nginx",
                        "ready": true,
                        "restartCount": 2,
                        "started": true,
                        "state": {
                            "running": {
                                "startedAt": "2026-12-01T11:55:00Z"
                            }
                        }
                    }
                ],
                "phase": "Running",
                "podIP": "10.88.0.2",
                "podIPs": [
                    {
                        "ip": "10.88.0.2"
                    }
                ],
                "startTime": "2026-12-01T09:00:00Z"
            }
        }

        """#)
    }

    @Test func getPodYAML() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "web", "-o", "yaml")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        apiVersion: v1
        kind: Pod
        metadata:
          annotations:
            note: 'edge: yes'
          creationTimestamp: "2026-12-01T08:40:00Z"
          labels:
            app: web
            tier: front
          name: web
          namespace: default
          uid: default-web-uid
        spec:
          containers:
          - args:
            - -v
            command:
            - httpd
            - -f
            - -p
            - "8080"
            env:
            - name: MODE
              value: prod
            - name: PORT
              value: "8080"
            image: busybox:1.36
            name: nginx
            ports:
            - containerPort: 8080
              protocol: TCP
            resources:
              limits:
                memory: 64Mi
            volumeMounts:
            - mountPath: /data
              name: data
          restartPolicy: Always
          volumes:
          - hostPath:
              path: /srv/data
              type: Directory
            name: data
        status:
          conditions:
          - status: "True"
            type: Initialized
          - status: "True"
            type: Ready
          - status: "True"
            type: ContainersReady
          - status: "True"
            type: PodScheduled
          containerStatuses:
          - containerID: swkube://5d2a6f0c1b3e
            image: busybox:1.36
            imageID: sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
            lastState:
              terminated:
                exitCode: 1
                finishedAt: "2026-12-01T11:55:00Z"
                reason: Error
            name: nginx
            ready: true
            restartCount: 2
            started: true
            state:
              running:
                startedAt: "2026-12-01T11:55:00Z"
          phase: Running
          podIP: 10.88.0.2
          podIPs:
          - ip: 10.88.0.2
          startTime: "2026-12-01T09:00:00Z"

        """#)
    }

    @Test func getPodsListJSON() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-n", "kube-system", "-o", "json")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        {
            "apiVersion": "v1",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "creationTimestamp": "2025-10-27T12:00:00Z",
                        "name": "agent",
                        "namespace": "kube-system",
                        "uid": "kube-system-agent-uid"
                    },
                    "spec": {
                        "containers": [
                            {
                                "image": "busybox:1.36",
                                "name": "main"
                            },
                            {
                                "image": "busybox:1.36",
                                "name": "sidecar"
                            }
                        ]
                    },
                    "status": {
                        "conditions": [
                            {
                                "status": "True",
                                "type": "Initialized"
                            },
                            {
                                "status": "False",
                                "type": "Ready"
                            },
                            {
                                "status": "False",
                                "type": "ContainersReady"
                            },
                            {
                                "status": "True",
                                "type": "PodScheduled"
                            }
                        ],
                        "containerStatuses": [
                            {
                                "image": "busybox:1.36",
                                "imageID": "",
                                "lastState": {},
                                "name": "main",
                                "ready": true,
                                "restartCount": 0,
                                "started": true,
                                "state": {
                                    "running": {}
                                }
                            },
                            {
                                "image": "busybox:1.36",
                                "imageID": "",
                                "lastState": {},
                                "name": "sidecar",
                                "ready": false,
                                "restartCount": 0,
                                "started": true,
                                "state": {
                                    "running": {}
                                }
                            }
                        ],
                        "phase": "Running"
                    }
                }
            ],
            "kind": "List",
            "metadata": {
                "resourceVersion": ""
            }
        }

        """#)
    }

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

    @Test func notFoundSuggestsANearName() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "wbe")
        #expect(out.exitCode == 1)
        #expect(out.stderr == "Error from server (NotFound): pods \"wbe\" not found (did you mean \"web\"?)\n")
        #expect(out.stdout == "")
    }

    @Test func notFoundNamesTheOtherNamespace() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "agent")
        #expect(out.exitCode == 1)
        #expect(out.stderr == "Error from server (NotFound): pods \"agent\" not found in namespace \"default\" (it exists in \"kube-system\": use -n kube-system)\n")
        #expect(out.stdout == "")
    }
}
