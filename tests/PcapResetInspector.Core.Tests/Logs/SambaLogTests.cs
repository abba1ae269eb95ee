using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Logs.LogTestKit;

namespace PcapResetInspector.Core.Tests.Logs;

public class SambaLogTests
{
    [Fact]
    public void Samba_4_receive_smb_raw_talloc_names_the_client_address_and_port()
    {
        LogResetLine line = Single(
            "[2024/03/11 09:00:01.123456,  1] ../../source3/smbd/process.c:520(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_CONNECTION_RESET.\n",
            "/var/log/samba/log.smbd");
        Assert.Equal("/var/log/samba/log.smbd", line.File);
        Assert.Equal(1, line.LineNumber);
        Assert.Equal("receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_CONNECTION_RESET.", line.Message);
        Assert.Equal(LogFormat.Samba, line.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1).AddTicks(1_234_560), line.LocalTime);
        Assert.Equal(DateTimeKind.Unspecified, line.LocalTime.Kind);
        Assert.Null(line.Offset);
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.Equal((ushort)50412, line.ClientPort);
        Assert.Equal(LogAddressKind.AddressAndPort, line.ClientAddressKind);
        Assert.Null(line.ClientName);
        Assert.Null(line.ServerAddress);
        Assert.Null(line.ServerPort);
        Assert.Equal("Samba 4.x receive_smb_raw_talloc read error", line.Detail);
    }

    [Fact]
    public void Samba_4_prints_ipv6_unbracketed_with_the_port_after_the_last_colon()
    {
        // tsocket_address_bsd_string: "%s:%s:%u" of "ipv6", inet_ntop's text and the port.
        LogResetLine line = Single(
            "[2024/03/11 09:00:01,  1] ../source3/smbd/process.c:520(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client ipv6:fe80::1:50412 read error = NT_STATUS_CONNECTION_RESET.\n");
        Assert.Equal(Ip("fe80::1"), line.ClientAddress);
        Assert.Equal((ushort)50412, line.ClientPort);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1), line.LocalTime);
    }

    [Fact]
    public void Samba_4_15_and_4_20_connection_descriptions_give_client_and_server()
    {
        LogReadResult result = Read(
            "[2022/01/10 10:00:00.000001,  1] ../../source3/smbd/process.c:519(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client ptr=0x55d0c3a2e0a0,id=1,addr=ipv4:10.0.0.8:50413 read error = NT_STATUS_CONNECTION_RESET.\n" +
            "[2024/03/11 09:00:02.000002,  1, pid=4242, effective(0, 0), real(0, 0), class=smb] ../../source3/smbd/smb1_process.c:505(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client PID=4242,CLIENT=00000000-0000-0000-0000-000000000000,channel=0,remote=ipv4:10.0.0.9:50414,local=ipv4:10.0.0.1:445 read error = NT_STATUS_CONNECTION_RESET.\n");
        Assert.Equal(2, result.Resets.Count);
        Assert.Equal(Ip("10.0.0.8"), result.Resets[0].ClientAddress);
        Assert.Equal((ushort)50413, result.Resets[0].ClientPort);
        Assert.Null(result.Resets[0].ServerAddress);
        Assert.Equal(3, result.Resets[1].LineNumber);
        Assert.Equal(Ip("10.0.0.9"), result.Resets[1].ClientAddress);
        Assert.Equal((ushort)50414, result.Resets[1].ClientPort);
        Assert.Equal(Ip("10.0.0.1"), result.Resets[1].ServerAddress);
        Assert.Equal((ushort)445, result.Resets[1].ServerPort);
        Assert.Equal(0, result.LinesSkipped);
    }

    [Fact]
    public void Samba_3_messages_bare_address_and_unknown_client()
    {
        LogReadResult result = Read(
            "[2012/01/05 10:00:00,  1] smbd/process.c:457(receive_smb_talloc)\n" +
            "  read_smb_length_return_keepalive failed for client 10.0.0.7 read error = NT_STATUS_CONNECTION_RESET.\n" +
            "[2010/02/01 08:00:00,  0] lib/util_sock.c:474(read_fd_with_timeout)\n" +
            "  read_fd_with_timeout: client 0.0.0.0 read error = Connection reset by peer.\n" +
            "[2004/02/01 08:00:00, 0] lib/util_sock.c:read_socket_data(342)\n" +
            "  read_socket_data: recv failure for 4. Error = Connection reset by peer\n" +
            "[2012/01/05 10:00:01,  1] smbd/process.c:457(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client 10.0.0.5 read error = NT_STATUS_CONNECTION_RESET.\n");
        Assert.Equal(4, result.Resets.Count);
        Assert.Equal(Ip("10.0.0.7"), result.Resets[0].ClientAddress);
        Assert.Null(result.Resets[0].ClientPort);
        Assert.Equal(LogAddressKind.Address, result.Resets[0].ClientAddressKind);
        Assert.Equal("Samba 3.6.0-3.6.1 read_smb_length_return_keepalive read error", result.Resets[0].Detail);
        Assert.Null(result.Resets[1].ClientAddress); // 0.0.0.0: Samba did not know the peer
        Assert.Equal("Samba 3.x read_fd_with_timeout read error", result.Resets[1].Detail);
        Assert.Equal(new DateTime(2004, 2, 1, 8, 0, 0), result.Resets[2].LocalTime);
        Assert.Equal(5, result.Resets[2].LineNumber);
        Assert.Null(result.Resets[2].ClientAddress);
        Assert.Equal("Samba 3.6 receive_smb_raw_talloc read error", result.Resets[3].Detail);
        Assert.Equal(Ip("10.0.0.5"), result.Resets[3].ClientAddress);
    }

    [Fact]
    public void Server_exit_takes_the_client_from_a_per_client_file_name()
    {
        const string log =
            "[2024/03/11 09:00:01.000000,  3] ../../source3/smbd/server_exit.c:231(exit_server_common)\n" +
            "  exit_server_common: Server exit (failed to receive request length)\n" +
            "[2024/03/11 09:00:02.000000,  3] ../../source3/smbd/server_exit.c:231(exit_server_common)\n" +
            "  exit_server_common: Server exit (NT_STATUS_CONNECTION_RESET)\n" +
            "[2024/03/11 09:00:03.000000,  3] ../../source3/smbd/server_exit.c:231(exit_server_common)\n" +
            "  exit_server_common: Server exit (normal exit)\n";
        LogReadResult byAddress = Read(log, "/var/log/samba/log.10.0.0.7");
        Assert.Equal(2, byAddress.Resets.Count);
        Assert.Equal(2, byAddress.LinesSkipped);
        Assert.All(byAddress.Resets, r => Assert.Equal(Ip("10.0.0.7"), r.ClientAddress));
        Assert.All(byAddress.Resets, r => Assert.Null(r.ClientPort));
        Assert.Contains("failed to receive request length", byAddress.Resets[0].Detail);
        Assert.Equal("Samba 4.x Server exit (NT_STATUS_CONNECTION_RESET)", byAddress.Resets[1].Detail);

        LogResetLine byName = Read(log, "log.WORKSTATION1.old").Resets[0];
        Assert.Null(byName.ClientAddress);
        Assert.Equal("WORKSTATION1", byName.ClientName);

        Assert.Equal(Ip("fe80::1"), Read(log, "log.fe80::1").Resets[0].ClientAddress);
        Assert.Equal(Ip("10.0.0.7"), Read(log, "log.::ffff:10.0.0.7").Resets[0].ClientAddress);
        foreach (string daemon in new[] { "log.smbd", "log.nmbd", "log.samba", "log.wb-EXAMPLE", "log.winbindd", "log.smbd.old" })
        {
            LogResetLine line = Read(log, daemon).Resets[0];
            Assert.Null(line.ClientAddress);
            Assert.Null(line.ClientName);
        }
    }

    [Fact]
    public void A_message_over_several_lines_is_joined_and_the_line_number_is_the_header()
    {
        LogReadResult result = Read(
            "[2024/03/11 08:59:00.000000,  2] ../../source3/smbd/service.c:100(make_connection)\n" +
            "  some share connected\n" +
            "[2024/03/11 09:00:01.000000,  1] ../../source3/smbd/process.c:520(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412\n" +
            "  read error = NT_STATUS_CONNECTION_RESET.\n" +
            "not indented: ends the entry\n");
        LogResetLine line = Assert.Single(result.Resets);
        Assert.Equal(3, line.LineNumber);
        Assert.Equal("receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_CONNECTION_RESET.", line.Message);
        Assert.Equal(6, result.LinesRead);
        Assert.Equal(3, result.LinesSkipped);
    }

    [Fact]
    public void One_line_variants_prefix_timestamp_and_syslog_format()
    {
        LogReadResult result = Read(
            "[2024/03/11 09:00:01.000000,  1]   receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_CONNECTION_RESET.\n" +
            "Mar 11 09:00:02 fileserver smbd[1234]: receive_smb_raw_talloc failed for client ipv4:10.0.0.8:50413 read error = NT_STATUS_CONNECTION_RESET.\n" +
            "2024-03-11T09:00:03.000001+01:00 fileserver smbd[1234]: exit_server_common: Server exit (NT_STATUS_CONNECTION_RESET)\n",
            "log.10.0.0.9");
        Assert.Equal(3, result.Resets.Count);
        Assert.Equal(Ip("10.0.0.7"), result.Resets[0].ClientAddress);
        Assert.Equal(Ip("10.0.0.8"), result.Resets[1].ClientAddress);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 2), result.Resets[1].LocalTime);
        Assert.Equal(LogFormat.Samba, result.Resets[2].Format);
        Assert.Equal(TimeSpan.FromHours(1), result.Resets[2].Offset);
        Assert.Equal(Ip("10.0.0.9"), result.Resets[2].ClientAddress);
    }

    [Fact]
    public void End_of_file_and_non_reset_read_errors_are_skipped()
    {
        LogReadResult result = Read(
            "[2024/03/11 09:00:01.000000,  5] ../../source3/smbd/process.c:520(receive_smb_talloc)\n" +
            "  receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_END_OF_FILE.\n");
        Assert.Empty(result.Resets);
        Assert.Equal(2, result.LinesSkipped);
        Assert.Null(result.Problem);
    }
}
