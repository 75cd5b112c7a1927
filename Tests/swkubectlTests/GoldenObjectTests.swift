@testable import KubeCtl
import Testing

/// Golden output of `-o json` and `-o yaml` against the fixed node (FixtureNode) and clock. The
/// texts were checked against kubectl's layout: tabwriter widths, AGE, STATUS, RESTARTS, quoting.
@Suite struct GoldenObjects {
    let manifestError = "error: /etc/swkube/pods/bad.yaml:3: mapping values are not allowed in this context\n"

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
}
